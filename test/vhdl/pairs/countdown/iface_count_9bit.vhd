library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Interface mismatch (mixed): count as natural range 0 to 300 is 9 bits.
entity TopModule is
  port (clk, reset, load : in std_logic; value : in std_logic_vector(7 downto 0);
        count : out natural range 0 to 300; done : out std_logic);
end entity;
architecture rtl of TopModule is
begin
  count <= 0;
  done <= '0';
end architecture;
