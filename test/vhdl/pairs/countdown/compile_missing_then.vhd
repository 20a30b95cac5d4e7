library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Compile error (mixed): if without then.
entity TopModule is
  port (clk, reset, load : in std_logic; value : in std_logic_vector(7 downto 0);
        count : out std_logic_vector(7 downto 0); done : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : unsigned(7 downto 0);
begin
  process (clk) begin
    if rising_edge(clk)
      c <= unsigned(value);
    end if;
  end process;
  count <= std_logic_vector(c);
  done <= '0';
end architecture;
