library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, rst_n, valid : in std_logic; sample : in std_logic_vector(7 downto 0);
        peak : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
  signal p : unsigned(7 downto 0);
begin
  process (clk, rst_n) begin
    if rst_n = '0' then p <= (others => '0');
    elsif rising_edge(clk) then
      if valid = '1' and unsigned(sample) > p then p <= unsigned(sample); end if;
    end if;
  end process;
  peak <= std_logic_vector(p);
end architecture;
