library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Subtle bug: the tens digit counts to 10 before wrapping (only visible after 100 enabled cycles).
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
          if t = 10 then t <= x"0"; else t <= t + 1; end if;
        else o <= o + 1;
        end if;
      end if;
    end if;
  end process;
  tens <= t; ones <= o;
  carry <= '1' when en = '1' and t = 9 and o = 9 else '0';
end architecture;
