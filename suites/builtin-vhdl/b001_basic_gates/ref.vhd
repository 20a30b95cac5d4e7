library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic;
        out_and, out_or, out_xor, out_nand, out_nor, out_xnor, out_anotb : out std_logic);
end entity;

architecture rtl of TopModule is
begin
  out_and <= a and b;
  out_or <= a or b;
  out_xor <= a xor b;
  out_nand <= a nand b;
  out_nor <= a nor b;
  out_xnor <= a xnor b;
  out_anotb <= a and not b;
end architecture;
