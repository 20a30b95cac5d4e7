library ieee;
use ieee.std_logic_1164.all;

-- Forgery: a foreign (VHPIDIRECT) function, C code inside the simulator.
entity and2 is
  port (a : in std_logic; b : in std_logic; y : out std_logic);
end entity;
architecture rtl of and2 is
  function verdict return integer is
  begin
    return 0;
  end function;
  attribute foreign of verdict : function is "VHPIDIRECT exit";
begin
  y <= a and b;
end architecture;
