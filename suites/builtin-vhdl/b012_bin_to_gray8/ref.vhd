library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (bin : in std_logic_vector(7 downto 0); gray : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  gray <= bin xor ('0' & bin(7 downto 1));
end architecture;
