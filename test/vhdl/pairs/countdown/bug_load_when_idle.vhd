library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Subtle bug (mixed): load is only taken when the count is 0.
entity TopModule is
  port (clk, reset, load : in std_logic; value : in std_logic_vector(7 downto 0);
        count : out std_logic_vector(7 downto 0); done : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : unsigned(7 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then c <= x"00"; done <= '0';
      elsif c /= 0 then
        c <= c - 1;
        if c = 1 then done <= '1'; else done <= '0'; end if;
      elsif load = '1' then c <= unsigned(value); done <= '0';
      else done <= '0';
      end if;
    end if;
  end process;
  count <= std_logic_vector(c);
end architecture;
