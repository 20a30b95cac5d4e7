library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent VHDL candidate against the Verilog reference (mixed): a variable holds the next count.
entity TopModule is
  port (clk, reset, load : in std_logic; value : in std_logic_vector(7 downto 0);
        count : out std_logic_vector(7 downto 0); done : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : unsigned(7 downto 0);
  signal d : std_logic;
begin
  process (clk)
    variable nxt : unsigned(7 downto 0);
  begin
    if rising_edge(clk) then
      nxt := c;
      d <= '0';
      if reset = '1' then
        nxt := (others => '0');
      elsif load = '1' then
        nxt := unsigned(value);
      elsif c /= 0 then
        nxt := c - 1;
        if nxt = 0 then d <= '1'; end if;
      end if;
      c <= nxt;
    end if;
  end process;
  count <= std_logic_vector(c);
  done <= d;
end architecture;
