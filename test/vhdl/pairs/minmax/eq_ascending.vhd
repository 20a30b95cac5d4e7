library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent: every port an ascending range (0 to 7); index 0 is the most significant bit, as in GHDL's netlist.
entity TopModule is
  port (a, b, c, d : in unsigned(0 to 7); min, max : out unsigned(0 to 7));
end entity;
architecture rtl of TopModule is
  signal lab, lcd, hab, hcd : unsigned(0 to 7);
begin
  lab <= a when a < b else b;
  lcd <= c when c < d else d;
  hab <= a when a > b else b;
  hcd <= c when c > d else d;
  min <= lab when lab < lcd else lcd;
  max <= hab when hab > hcd else hcd;
end architecture;
