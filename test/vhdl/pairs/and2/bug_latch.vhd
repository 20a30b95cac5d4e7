library ieee;
use ieee.std_logic_1164.all;

-- Subtle bug: a latch: y keeps its value while a is low instead of going to 0.
entity and2 is
  port (a : in std_logic; b : in std_logic; y : out std_logic);
end entity;
architecture rtl of and2 is
begin
  process (a, b) begin
    if a = '1' then y <= b; end if;
  end process;
end architecture;
