library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (gray : in std_logic_vector(7 downto 0); bin : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  process (gray)
    variable b : std_logic_vector(7 downto 0);
  begin
    b(7) := gray(7);
    for i in 6 downto 0 loop
      b(i) := b(i + 1) xor gray(i);
    end loop;
    bin <= b;
  end process;
end architecture;
