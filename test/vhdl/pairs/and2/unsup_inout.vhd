library ieee;
use ieee.std_logic_1164.all;

-- Unsupported: an inout port.
entity and2 is
  port (a : in std_logic; b : in std_logic; y : inout std_logic);
end entity;
architecture rtl of and2 is
begin
  y <= a and b;
end architecture;
