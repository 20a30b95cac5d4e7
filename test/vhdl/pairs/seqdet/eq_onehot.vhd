library ieee;
use ieee.std_logic_1164.all;

-- Equivalent: one-hot state vector with a when others default (which GHDL 2.0 drops from its Verilog).
entity seqdet is
  port (clk : in std_logic; rst_n : in std_logic; din : in std_logic; hit : out std_logic);
end entity;

architecture rtl of seqdet is
  signal st : std_logic_vector(2 downto 0);
begin
  process (clk, rst_n) begin
    if rst_n = '0' then st <= "001";
    elsif rising_edge(clk) then
      case st is
        when "001" => if din = '1' then st <= "010"; end if;
        when "010" => if din = '0' then st <= "100"; end if;
        when "100" => if din = '1' then st <= "010"; else st <= "001"; end if;
        when others => st <= "001";
      end case;
    end if;
  end process;
  hit <= st(2) and din;
end architecture;
