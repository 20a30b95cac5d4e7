library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, en : in std_logic; q : out std_logic_vector(15 downto 0));
end entity;

architecture rtl of TopModule is
  signal r : std_logic_vector(15 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then r <= x"0001";
      elsif en = '1' then r <= r(14 downto 0) & (r(15) xor r(13) xor r(12) xor r(10));
      end if;
    end if;
  end process;
  q <= r;
end architecture;
