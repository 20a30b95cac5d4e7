library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Subtle bug: carry at 99 even when en is low.
entity TopModule is
  port (clk, reset, en : in std_logic; tens, ones : out unsigned(3 downto 0); carry : out std_logic);
end entity;

architecture rtl of TopModule is
  signal t, o : unsigned(3 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then t <= x"0"; o <= x"0";
      elsif en = '1' then
        if o = 9 then
          o <= x"0";
          if t = 9 then t <= x"0"; else t <= t + 1; end if;
        else o <= o + 1;
        end if;
      end if;
    end if;
  end process;
  tens <= t; ones <= o;
  carry <= '1' when t = 9 and o = 9 else '0';
end architecture;
