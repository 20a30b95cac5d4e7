library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in signed(7 downto 0); p : out signed(15 downto 0));
end entity;

architecture rtl of TopModule is
begin
  p <= a * b;
end architecture;
