library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, noisy : in std_logic; clean : out std_logic);
end entity;

architecture rtl of TopModule is
  signal c : std_logic;
  signal cnt : unsigned(2 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then
        c <= '0';
        cnt <= "000";
      elsif noisy = c then
        cnt <= "000";
      elsif cnt = 7 then
        c <= noisy;
        cnt <= "000";
      else
        cnt <= cnt + 1;
      end if;
    end if;
  end process;
  clean <= c;
end architecture;
