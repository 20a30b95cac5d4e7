library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, rst_n : in std_logic; d : in std_logic_vector(7 downto 0); q : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  process (clk, rst_n) begin
    if rst_n = '0' then q <= x"A5";
    elsif rising_edge(clk) then q <= d;
    end if;
  end process;
end architecture;
