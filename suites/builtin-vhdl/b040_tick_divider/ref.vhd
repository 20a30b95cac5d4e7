library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset : in std_logic; div : in std_logic_vector(3 downto 0); tick : out std_logic);
end entity;

architecture rtl of TopModule is
  signal count : unsigned(3 downto 0);
  signal t : std_logic;
begin
  t <= '1' when count >= unsigned(div) else '0';
  tick <= t;
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' or t = '1' then count <= (others => '0');
      else count <= count + 1;
      end if;
    end if;
  end process;
end architecture;
