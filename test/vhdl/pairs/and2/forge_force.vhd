library ieee;
use ieee.std_logic_1164.all;

-- Forgery: forces its output with a VHDL-2008 force (a testbench construct).
entity and2 is
  port (a : in std_logic; b : in std_logic; y : out std_logic);
end entity;
architecture rtl of and2 is
begin
  process begin
    y <= force '1';
    wait;
  end process;
end architecture;
