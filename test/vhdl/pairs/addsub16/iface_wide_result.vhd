library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Interface mismatch: result is 17 bits wide.
entity TopModule is
  port (a, b : in std_logic_vector(15 downto 0); sub : in std_logic;
        result : out std_logic_vector(16 downto 0); cout, ovf, zero : out std_logic);
end entity;
architecture rtl of TopModule is
  signal full : unsigned(16 downto 0);
begin
  full <= resize(unsigned(a), 17) + resize(unsigned(b), 17);
  result <= std_logic_vector(full);
  cout <= full(16); ovf <= '0'; zero <= '0';
end architecture;
