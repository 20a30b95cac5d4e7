library ieee;
use ieee.std_logic_1164.all;

-- Unsupported: the inputs come as a record port.
package pair_pkg is
  type pair_t is record
    a : std_logic;
    b : std_logic;
  end record;
end package;

library ieee;
use ieee.std_logic_1164.all;
use work.pair_pkg.all;
entity and2 is
  port (p : in pair_t; y : out std_logic);
end entity;
architecture rtl of and2 is
begin
  y <= p.a and p.b;
end architecture;
