library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (data : in std_logic_vector(7 downto 0); odd : in std_logic; parity : out std_logic);
end entity;

architecture rtl of TopModule is
begin
  parity <= xor data xor odd;
end architecture;
