library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent: digits as bounded integers, one counter process, the carry from the integers.
entity TopModule is
  port (clk, reset, en : in std_logic; tens, ones : out unsigned(3 downto 0); carry : out std_logic);
end entity;

architecture rtl of TopModule is
  signal t, o : natural range 0 to 9;
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then
        t <= 0; o <= 0;
      elsif en = '1' then
        if o = 9 then
          o <= 0;
          t <= (t + 1) mod 10;
        else
          o <= o + 1;
        end if;
      end if;
    end if;
  end process;
  tens <= to_unsigned(t, 4);
  ones <= to_unsigned(o, 4);
  carry <= en when t = 9 and o = 9 else '0';
end architecture;
