library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, en : in std_logic; q : out std_logic_vector(3 downto 0); tc : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : unsigned(3 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then c <= (others => '0');
      elsif en = '1' then
        if c >= 9 then c <= (others => '0'); else c <= c + 1; end if;
      end if;
    end if;
  end process;
  q <= std_logic_vector(c);
  tc <= '1' when en = '1' and c = 9 else '0';
end architecture;
