library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (sel : in std_logic_vector(1 downto 0); d0, d1, d2, d3 : in std_logic_vector(3 downto 0);
        y : out std_logic_vector(3 downto 0));
end entity;

architecture rtl of TopModule is
begin
  with sel select y <=
    d0 when "00",
    d1 when "01",
    d2 when "10",
    d3 when others;
end architecture;
