library ieee, unisim;
use ieee.std_logic_1164.all;
use unisim.vcomponents.all;
-- Forgery: a vendor library the sandbox does not provide (only ieee, std and work are allowed).
entity and2 is
  port (a : in std_logic; b : in std_logic; y : out std_logic);
end entity;
architecture rtl of and2 is
begin
  y <= a and b;
end architecture;
