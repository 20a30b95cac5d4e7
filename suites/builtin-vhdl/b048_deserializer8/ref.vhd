library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (clk, reset, in_valid, in_bit : in std_logic;
        data : out std_logic_vector(7 downto 0); out_valid : out std_logic);
end entity;

architecture rtl of TopModule is
  signal shreg : std_logic_vector(7 downto 0);
  signal cnt : unsigned(2 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then
        shreg <= (others => '0'); cnt <= (others => '0'); data <= (others => '0'); out_valid <= '0';
      else
        out_valid <= '0';
        if in_valid = '1' then
          shreg <= in_bit & shreg(7 downto 1);
          cnt <= cnt + 1;
          if cnt = 7 then
            data <= in_bit & shreg(7 downto 1);
            out_valid <= '1';
          end if;
        end if;
      end if;
    end if;
  end process;
end architecture;
