library ieee;
use ieee.std_logic_1164.all;

-- Subtle bug only a VHDL simulator shows: hit's process omits din from its sensitivity list, so hit keeps a
-- stale value when din changes alone. GHDL synthesizes an AND gate; validation sees the netlist differ from the
-- simulation, so the native route decides.
entity seqdet is
  port (clk : in std_logic; rst_n : in std_logic; din : in std_logic; hit : out std_logic);
end entity;

architecture rtl of seqdet is
  type state_t is (IDLE, S1, S10);
  signal st : state_t;
begin
  process (clk, rst_n) begin
    if rst_n = '0' then st <= IDLE;
    elsif rising_edge(clk) then
      case st is
        when IDLE => if din = '1' then st <= S1; end if;
        when S1   => if din = '0' then st <= S10; end if;
        when S10  => if din = '1' then st <= S1; else st <= IDLE; end if;
      end case;
    end if;
  end process;
  process (st) begin
    if st = S10 and din = '1' then hit <= '1'; else hit <= '0'; end if;
  end process;
end architecture;
