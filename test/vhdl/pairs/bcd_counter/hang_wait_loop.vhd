library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Hang: a process with neither a sensitivity list nor a wait loops forever at time 0.
entity TopModule is
  port (clk, reset, en : in std_logic; tens, ones : out unsigned(3 downto 0); carry : out std_logic);
end entity;

architecture rtl of TopModule is
  signal t, o : unsigned(3 downto 0) := x"0";
  signal spin : natural := 0;
begin
  process
    variable n : natural := 0;
  begin
    n := (n + 1) mod 3;
  end process;
  tens <= t; ones <= o; carry <= '0';
end architecture;
