library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Subtle bug: the maximum forgets input d.
entity TopModule is
  port (a, b, c, d : in unsigned(7 downto 0); min, max : out unsigned(7 downto 0));
end entity;

architecture rtl of TopModule is
  signal lab, lcd, hab, hc : unsigned(7 downto 0);
begin
  lab <= a when a < b else b;
  lcd <= c when c < d else d;
  hab <= a when a > b else b;
  hc <= c;
  min <= lab when lab < lcd else lcd;
  max <= hab when hab > hc else hc;
end architecture;
