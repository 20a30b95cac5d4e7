library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, shift_en, sin : in std_logic; q : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
  signal r : std_logic_vector(7 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then r <= (others => '0');
      elsif shift_en = '1' then r <= r(6 downto 0) & sin;
      end if;
    end if;
  end process;
  q <= r;
end architecture;
