library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Unsupported (mixed): an integer input whose range (0 to 200) does not fill its 8 bits.
entity TopModule is
  port (clk, reset, load : in std_logic; value : in natural range 0 to 200;
        count : out std_logic_vector(7 downto 0); done : out std_logic);
end entity;
architecture rtl of TopModule is
begin
  count <= std_logic_vector(to_unsigned(value, 8));
  done <= '0';
end architecture;
