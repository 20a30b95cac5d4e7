library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, rst_n : in std_logic; mode : in std_logic_vector(1 downto 0); sin_r, sin_l : in std_logic;
        d : in std_logic_vector(3 downto 0); q : out std_logic_vector(3 downto 0));
end entity;

architecture rtl of TopModule is
  signal r : std_logic_vector(3 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if rst_n = '0' then
        r <= "0000";
      else
        case mode is
          when "00" => null;
          when "01" => r <= sin_r & r(3 downto 1);
          when "10" => r <= r(2 downto 0) & sin_l;
          when others => r <= d;
        end case;
      end if;
    end if;
  end process;
  q <= r;
end architecture;
