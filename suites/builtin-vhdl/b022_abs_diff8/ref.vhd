library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(7 downto 0); d : out std_logic_vector(7 downto 0); a_bigger : out std_logic);
end entity;

architecture rtl of TopModule is
  signal gt : boolean;
begin
  gt <= unsigned(a) > unsigned(b);
  a_bigger <= '1' when gt else '0';
  d <= std_logic_vector(unsigned(a) - unsigned(b)) when gt else std_logic_vector(unsigned(b) - unsigned(a));
end architecture;
