library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (n : in std_logic_vector(3 downto 0); therm : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  gen: for i in 0 to 7 generate
    therm(i) <= '1' when i < to_integer(unsigned(n)) else '0';
  end generate;
end architecture;
