library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (sel : in std_logic; a, b : in std_logic_vector(7 downto 0); y : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  y <= b when sel = '1' else a;
end architecture;
