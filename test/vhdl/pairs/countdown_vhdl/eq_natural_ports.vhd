library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent, with integer ports: natural range 0 to 255 fills 8 bits, so it maps onto [7:0].
entity TopModule is
  port (clk, reset, load : in std_logic; value : in natural range 0 to 255;
        count : out natural range 0 to 255; done : out std_logic);
end entity;
architecture rtl of TopModule is
  signal c : natural range 0 to 255;
begin
  process (clk) begin
    if rising_edge(clk) then
      if reset = '1' then c <= 0; done <= '0';
      elsif load = '1' then c <= value; done <= '0';
      elsif c /= 0 then
        c <= c - 1;
        if c = 1 then done <= '1'; else done <= '0'; end if;
      else done <= '0';
      end if;
    end if;
  end process;
  count <= c;
end architecture;
