library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, en : in std_logic; din : in std_logic_vector(7 downto 0);
        acc : out std_logic_vector(15 downto 0); ovf : out std_logic);
end entity;

architecture rtl of TopModule is
  signal a : unsigned(15 downto 0);
  signal o : std_logic;
begin
  process (clk)
    variable sum : unsigned(16 downto 0);
  begin
    if rising_edge(clk) then
      if reset = '1' then a <= (others => '0'); o <= '0';
      elsif en = '1' then
        sum := resize(a, 17) + resize(unsigned(din), 17);
        a <= sum(15 downto 0);
        if sum(16) = '1' then o <= '1'; end if;
      end if;
    end if;
  end process;
  acc <= std_logic_vector(a);
  ovf <= o;
end architecture;
