library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Compile error: an unsigned sum assigned to a std_logic_vector port without a conversion.
entity TopModule is
  port (a, b : in std_logic_vector(15 downto 0); sub : in std_logic;
        result : out std_logic_vector(15 downto 0); cout, ovf, zero : out std_logic);
end entity;

architecture rtl of TopModule is
begin
  result <= unsigned(a) + unsigned(b);
  cout <= '0'; ovf <= '0'; zero <= '0';
end architecture;
