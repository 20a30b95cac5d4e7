library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(7 downto 0); y : out std_logic_vector(7 downto 0); sat : out std_logic);
end entity;

architecture rtl of TopModule is
  signal s : signed(8 downto 0);
begin
  s <= resize(signed(a), 9) + resize(signed(b), 9);
  sat <= s(8) xor s(7);
  y <= x"7F" when s > 127 else x"80" when s < -128 else std_logic_vector(s(7 downto 0));
end architecture;
