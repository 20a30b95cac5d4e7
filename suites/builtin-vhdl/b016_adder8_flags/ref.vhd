library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(7 downto 0); cin : in std_logic;
        sum : out std_logic_vector(7 downto 0); cout, ovf : out std_logic);
end entity;

architecture rtl of TopModule is
  signal full : unsigned(8 downto 0);
begin
  full <= resize(unsigned(a), 9) + resize(unsigned(b), 9) + ("" & cin);
  sum <= std_logic_vector(full(7 downto 0));
  cout <= full(8);
  ovf <= '1' when a(7) = b(7) and full(7) /= a(7) else '0';
end architecture;
