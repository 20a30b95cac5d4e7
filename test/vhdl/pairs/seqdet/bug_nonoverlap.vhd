library ieee;
use ieee.std_logic_1164.all;

-- Subtle bug: after a hit the detector starts over from IDLE (no overlap: 10101 hits once).
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
        when S10  => st <= IDLE;
      end case;
    end if;
  end process;
  hit <= '1' when st = S10 and din = '1' else '0';
end architecture;
