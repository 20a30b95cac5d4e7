library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (bin : in std_logic_vector(7 downto 0); hundreds : out std_logic_vector(1 downto 0);
        tens, ones : out std_logic_vector(3 downto 0));
end entity;

architecture rtl of TopModule is
  signal v : natural range 0 to 255;
begin
  v <= to_integer(unsigned(bin));
  hundreds <= std_logic_vector(to_unsigned(v / 100, 2));
  tens <= std_logic_vector(to_unsigned((v mod 100) / 10, 4));
  ones <= std_logic_vector(to_unsigned(v mod 10, 4));
end architecture;
