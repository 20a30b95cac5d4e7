library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, en : in std_logic; d : in std_logic_vector(7 downto 0); q : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then q <= (others => '0');
      elsif en = '1' then q <= d;
      end if;
    end if;
  end process;
end architecture;
