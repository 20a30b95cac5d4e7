library ieee;
use ieee.std_logic_1164.all;

-- Subtle bug: hit is registered (Moore), so it comes one cycle late.
entity seqdet is
  port (clk : in std_logic; rst_n : in std_logic; din : in std_logic; hit : out std_logic);
end entity;

architecture rtl of seqdet is
  type state_t is (IDLE, S1, S10);
  signal st : state_t;
  signal h : std_logic;
begin
  process (clk, rst_n) begin
    if rst_n = '0' then st <= IDLE; h <= '0';
    elsif rising_edge(clk) then
      if st = S10 and din = '1' then h <= '1'; else h <= '0'; end if;
      case st is
        when IDLE => if din = '1' then st <= S1; end if;
        when S1   => if din = '0' then st <= S10; end if;
        when S10  => if din = '1' then st <= S1; else st <= IDLE; end if;
      end case;
    end if;
  end process;
  hit <= h;
end architecture;
