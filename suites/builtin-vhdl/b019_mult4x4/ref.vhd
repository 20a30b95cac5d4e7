library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(3 downto 0); p : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  p <= std_logic_vector(unsigned(a) * unsigned(b));
end architecture;
