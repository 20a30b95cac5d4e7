-- Subtle bug: the overflow flag is the unsigned carry.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(15 downto 0); sub : in std_logic;
        result : out std_logic_vector(15 downto 0); cout, ovf, zero : out std_logic);
end entity;

architecture rtl of TopModule is
  signal bx : std_logic_vector(15 downto 0);
  signal full : unsigned(16 downto 0);
begin
  bx <= not b when sub = '1' else b;
  full <= resize(unsigned(a), 17) + resize(unsigned(bx), 17) + ("" & sub);
  result <= std_logic_vector(full(15 downto 0));
  cout <= full(16);
  ovf <= full(16);
  zero <= '1' when full(15 downto 0) = 0 else '0';
end architecture;
