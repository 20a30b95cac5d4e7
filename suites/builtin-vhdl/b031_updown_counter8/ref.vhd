library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, areset, load, en, up : in std_logic; din : in std_logic_vector(7 downto 0);
        count : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
  signal c : unsigned(7 downto 0);
begin
  process (clk, areset) begin
    if areset = '1' then c <= (others => '0');
    elsif rising_edge(clk) then
      if load = '1' then c <= unsigned(din);
      elsif en = '1' then
        if up = '1' then c <= c + 1; else c <= c - 1; end if;
      end if;
    end if;
  end process;
  count <= std_logic_vector(c);
end architecture;
