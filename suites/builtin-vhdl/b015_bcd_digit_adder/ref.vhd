library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(3 downto 0); cin : in std_logic;
        sum : out std_logic_vector(3 downto 0); cout : out std_logic);
end entity;

architecture rtl of TopModule is
  signal s : unsigned(4 downto 0);
  signal big : std_logic;
begin
  s <= resize(unsigned(a), 5) + resize(unsigned(b), 5) + ("" & cin);
  big <= '1' when s > 9 else '0';
  cout <= big;
  sum <= std_logic_vector(s(3 downto 0) + 6) when big = '1' else std_logic_vector(s(3 downto 0));
end architecture;
