library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, en : in std_logic; gray : out std_logic_vector(3 downto 0));
end entity;

architecture rtl of TopModule is
  signal b : unsigned(3 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then b <= (others => '0');
      elsif en = '1' then b <= b + 1;
      end if;
    end if;
  end process;
  gray <= std_logic_vector(b xor ('0' & b(3 downto 1)));
end architecture;
