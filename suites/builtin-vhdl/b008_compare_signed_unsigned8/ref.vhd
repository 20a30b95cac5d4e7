library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(7 downto 0); lt_s, lt_u, eq : out std_logic);
end entity;

architecture rtl of TopModule is
begin
  lt_s <= '1' when signed(a) < signed(b) else '0';
  lt_u <= '1' when unsigned(a) < unsigned(b) else '0';
  eq <= '1' when a = b else '0';
end architecture;
