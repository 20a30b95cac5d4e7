library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(7 downto 0); lt, eq, gt : out std_logic);
end entity;

architecture rtl of TopModule is
begin
  lt <= '1' when unsigned(a) < unsigned(b) else '0';
  eq <= '1' when unsigned(a) = unsigned(b) else '0';
  gt <= '1' when unsigned(a) > unsigned(b) else '0';
end architecture;
