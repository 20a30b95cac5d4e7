library ieee;
use ieee.std_logic_1164.all;

-- Unsupported: a VHDL-2008 matching case with '-' choices, which GHDL 2.0 silently ignores.
entity seqdet is
  port (clk : in std_logic; rst_n : in std_logic; din : in std_logic; hit : out std_logic);
end entity;

architecture rtl of seqdet is
  signal st : std_logic_vector(1 downto 0);
begin
  process (clk, rst_n) begin
    if rst_n = '0' then st <= "00";
    elsif rising_edge(clk) then
      case? std_logic_vector'(st & din) is
        when "--1" => st <= "01";
        when "010" => st <= "10";
        when others => st <= "00";
      end case?;
    end if;
  end process;
  hit <= st(1) and din;
end architecture;
