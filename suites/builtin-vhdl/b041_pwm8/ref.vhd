library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset : in std_logic; duty : in std_logic_vector(7 downto 0);
        cnt : out std_logic_vector(7 downto 0); pwm : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : unsigned(7 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then c <= (others => '0'); else c <= c + 1; end if;
    end if;
  end process;
  cnt <= std_logic_vector(c);
  pwm <= '1' when c < unsigned(duty) else '0';
end architecture;
