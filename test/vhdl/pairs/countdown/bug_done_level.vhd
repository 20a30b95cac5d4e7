library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Subtle bug (mixed): done is a level (count = 0) instead of a one-cycle pulse after the last decrement.
entity TopModule is
  port (clk, reset, load : in std_logic; value : in std_logic_vector(7 downto 0);
        count : out std_logic_vector(7 downto 0); done : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : unsigned(7 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then c <= x"00";
      elsif load = '1' then c <= unsigned(value);
      elsif c /= 0 then c <= c - 1;
      end if;
    end if;
  end process;
  count <= std_logic_vector(c);
  done <= '1' when c = 0 else '0';
end architecture;
